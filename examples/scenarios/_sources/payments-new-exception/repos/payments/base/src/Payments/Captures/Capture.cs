namespace Fabrikam.Payments.Captures;

public sealed record Capture(
    Guid Id,
    string OrderId,
    string PspReference,
    decimal Amount,
    string Currency,
    decimal RefundedAmount,
    DateTimeOffset CapturedAt)
{
    public decimal Refundable => Amount - RefundedAmount;
}

public sealed class CaptureNotFoundException(Guid id) : Exception($"capture {id} does not exist");
