using Fabrikam.Payments.Captures;

namespace Fabrikam.Payments.Refunds;

public sealed class RefundRejectedException(string message) : Exception(message);

public sealed class RefundPolicy
{
    public static readonly TimeSpan RefundWindow = TimeSpan.FromDays(180);

    public void EnsureRefundable(Capture capture, decimal amount, DateTimeOffset now)
    {
        if (amount <= 0m)
        {
            throw new RefundRejectedException("a refund must be for a positive amount");
        }
        if (now - capture.CapturedAt > RefundWindow)
        {
            throw new RefundRejectedException($"capture {capture.Id} is older than {RefundWindow.TotalDays:0} days");
        }
    }
}
