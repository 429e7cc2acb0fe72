package com.fabrikam.orders.returns;

import java.math.BigDecimal;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class ReturnRepository {
    private static final String COLUMNS = "r.id, o.capture_id, r.amount";
    private final JdbcClient jdbc;

    public ReturnRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Return find(String returnId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM returns r JOIN orders o ON o.id = r.order_id WHERE r.id = ?")
                .param(returnId)
                .query(Return.class)
                .single();
    }

    public void markRefunded(String returnId) {
        jdbc.sql("UPDATE returns SET status = 'refunded', refunded_at = now() WHERE id = ?").param(returnId).update();
    }

    public record Return(String id, UUID captureId, BigDecimal amount) {}
}
