package com.fabrikam.orders;

import com.fabrikam.orders.payments.PaymentsClient;
import com.fabrikam.orders.tax.TaxClient;
import java.math.BigDecimal;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/orders")
public class OrderController {
    private final OrderRepository orders;
    private final TaxClient tax;
    private final PaymentsClient payments;

    public OrderController(OrderRepository orders, TaxClient tax, PaymentsClient payments) {
        this.orders = orders;
        this.tax = tax;
        this.payments = payments;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public Order create(@RequestBody PlaceOrder request) {
        var quote = tax.quote(request.country(), request.lines());
        var order = orders.insert(request, quote.tax(), quote.total());
        var capture = payments.capture(order.id(), request.authorisation(), quote.total(), request.currency());
        return orders.markPaid(order.id(), capture.id());
    }

    @GetMapping("/{id}")
    public Order get(@PathVariable String id) {
        return orders.find(id);
    }

    public record PlaceOrder(String country, String currency, String authorisation, List<TaxClient.Line> lines) {}

    public record Order(String id, BigDecimal total, String status, java.util.UUID captureId) {}
}
