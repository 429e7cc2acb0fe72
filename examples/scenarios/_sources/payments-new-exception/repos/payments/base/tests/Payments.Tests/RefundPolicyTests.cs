using Fabrikam.Payments.Captures;
using Fabrikam.Payments.Refunds;
using Xunit;

namespace Fabrikam.Payments.Tests;

public class RefundPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 16, 12, 0, 0, TimeSpan.Zero);
    private readonly RefundPolicy _policy = new();

    private static Capture CaptureOf(decimal amount, decimal refunded = 0m, int daysAgo = 3) =>
        new(Guid.NewGuid(), "ord-1", "psp-1", amount, "EUR", refunded, Now.AddDays(-daysAgo));

    private void Rejects(Capture capture, decimal amount) =>
        Assert.Throws<RefundRejectedException>(() => _policy.EnsureRefundable(capture, amount, Now));

    [Fact]
    public void Refund_must_be_positive() => Rejects(CaptureOf(50m), 0m);

    [Fact]
    public void Captures_older_than_the_window_are_not_refundable() => Rejects(CaptureOf(50m, daysAgo: 181), 10m);
}
