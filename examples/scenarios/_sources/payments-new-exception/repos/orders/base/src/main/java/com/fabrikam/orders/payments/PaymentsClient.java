package com.fabrikam.orders.payments;

import java.math.BigDecimal;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

@Component
public class PaymentsClient {
    private final RestClient http;

    public PaymentsClient(RestClient.Builder builder, @Value("${payments.base-url}") String baseUrl) {
        this.http = builder.baseUrl(baseUrl).build();
    }

    public Capture capture(String orderId, String authorisation, BigDecimal amount, String currency) {
        return http.post()
                .uri("/api/captures")
                .body(new CaptureRequest(orderId, authorisation, amount, currency))
                .retrieve()
                .body(Capture.class);
    }

    public RefundResult refund(UUID captureId, BigDecimal amount, String idempotencyKey) {
        return http.post()
                .uri("/api/refunds")
                .body(new RefundRequest(captureId, amount, idempotencyKey))
                .retrieve()
                .body(RefundResult.class);
    }

    public record CaptureRequest(String orderId, String authorisation, BigDecimal amount, String currency) {}

    public record Capture(UUID id, String orderId, BigDecimal amount) {}

    public record RefundRequest(UUID captureId, BigDecimal amount, String idempotencyKey) {}

    public record RefundResult(Object refundIds, BigDecimal amount, String status) {}
}
