package com.fabrikam.orders.returns;

import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/returns")
public class ReturnsController {
    private final RefundService refunds;

    public ReturnsController(RefundService refunds) {
        this.refunds = refunds;
    }

    /** The returns desk scanned the parcel: refund what came back. */
    @PostMapping("/{returnId}/receive")
    public RefundService.Outcome receive(@PathVariable String returnId) {
        return refunds.refundReturn(returnId);
    }
}
