using Fabrikam.Payments.Gateway;

namespace Fabrikam.Payments.Captures;

public sealed record CaptureRequest(string OrderId, string Authorisation, decimal Amount, string Currency);

public sealed class CaptureHandler(CaptureStore captures, AcquirerClient acquirer, ILogger<CaptureHandler> logger)
{
    public async Task<Capture> HandleAsync(CaptureRequest request, CancellationToken ct)
    {
        var pspReference = await acquirer.CaptureAsync(
            request.Authorisation, request.Amount, request.Currency, ct);
        var capture = await captures.InsertAsync(request.OrderId, pspReference, request.Amount, request.Currency, ct);
        logger.LogInformation(
            "Captured {Amount} {Currency} for order {OrderId} as {CaptureId}",
            request.Amount, request.Currency, request.OrderId, capture.Id);
        return capture;
    }
}
