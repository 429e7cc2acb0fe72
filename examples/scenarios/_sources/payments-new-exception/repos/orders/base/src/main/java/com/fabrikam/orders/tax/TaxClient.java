package com.fabrikam.orders.tax;

import java.math.BigDecimal;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

@Component
public class TaxClient {
    private final RestClient http;

    public TaxClient(RestClient.Builder builder, @Value("${tax.base-url}") String baseUrl) {
        this.http = builder.baseUrl(baseUrl).build();
    }

    public TaxQuote quote(String country, List<Line> lines) {
        return http.post().uri("/api/quotes").body(new QuoteRequest(country, lines)).retrieve().body(TaxQuote.class);
    }

    public record Line(String sku, int quantity, BigDecimal unitPrice) {}

    public record QuoteRequest(String country, List<Line> lines) {}

    public record TaxQuote(BigDecimal tax, BigDecimal total) {}
}
