package com.fabrikam.orders;

import java.math.BigDecimal;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class OrderRepository {
    private final JdbcClient jdbc;

    public OrderRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public OrderController.Order insert(OrderController.PlaceOrder request, BigDecimal tax, BigDecimal total) {
        var id = "ord-" + UUID.randomUUID().toString().substring(0, 12);
        jdbc.sql("INSERT INTO orders (id, country, currency, tax, total, status) VALUES (?, ?, ?, ?, ?, 'placed')")
                .params(id, request.country(), request.currency(), tax, total)
                .update();
        return new OrderController.Order(id, total, "placed", null);
    }

    public OrderController.Order markPaid(String id, UUID captureId) {
        jdbc.sql("UPDATE orders SET status = 'paid', capture_id = ? WHERE id = ?").params(captureId, id).update();
        return find(id);
    }

    public OrderController.Order find(String id) {
        return jdbc.sql("SELECT id, total, status, capture_id FROM orders WHERE id = ?")
                .param(id)
                .query(OrderController.Order.class)
                .single();
    }
}
