package com.fabrikam.orders.returns;

import com.fabrikam.orders.payments.PaymentsClient;
import java.math.BigDecimal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

@Service
public class RefundService {
    private static final Logger log = LoggerFactory.getLogger(RefundService.class);
    private final ReturnRepository returns;
    private final PaymentsClient payments;

    public RefundService(ReturnRepository returns, PaymentsClient payments) {
        this.returns = returns;
        this.payments = payments;
    }

    public Outcome refundReturn(String returnId) {
        var ret = returns.find(returnId);
        var result = payments.refund(ret.captureId(), ret.amount(), "return:" + returnId);
        returns.markRefunded(returnId);
        log.info("Return {} refunded: {} {}", returnId, ret.amount(), result.status());
        return new Outcome(returnId, ret.amount(), "refunded");
    }

    public record Outcome(String returnId, BigDecimal amount, String status) {}
}
