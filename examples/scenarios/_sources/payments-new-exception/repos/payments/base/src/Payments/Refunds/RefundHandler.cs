using Fabrikam.Payments.Captures;
using Fabrikam.Payments.Gateway;

namespace Fabrikam.Payments.Refunds;

public sealed record RefundRequest(Guid CaptureId, decimal Amount, string IdempotencyKey);

public sealed record RefundResult(Guid RefundId, decimal Amount, string Status);

public sealed class RefundHandler(
    CaptureStore captures,
    RefundPolicy policy,
    AcquirerClient acquirer,
    TimeProvider clock,
    ILogger<RefundHandler> logger)
{
    public async Task<RefundResult> HandleAsync(RefundRequest request, CancellationToken ct)
    {
        var capture = await captures.GetAsync(request.CaptureId, ct)
            ?? throw new CaptureNotFoundException(request.CaptureId);
        policy.EnsureRefundable(capture, request.Amount, clock.GetUtcNow());

        var pspReference = await acquirer.RefundAsync(
            capture.PspReference, request.Amount, capture.Currency, ct);
        var refundId = await captures.RecordRefundAsync(capture.Id, request.Amount, pspReference, ct);

        logger.LogInformation(
            "Refunded {Amount} {Currency} of capture {CaptureId} as {RefundId}",
            request.Amount, capture.Currency, capture.Id, refundId);
        return new RefundResult(refundId, request.Amount, "received");
    }
}
