using Fabrikam.Payments.Captures;
using Fabrikam.Payments.Gateway;
using Fabrikam.Payments.Refunds;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Fabrikam.Payments;

/// <summary>Maps the exceptions callers can act on to their status codes; anything else stays a 500.</summary>
public sealed class DomainExceptionHandler(ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var status = exception switch
        {
            CaptureNotFoundException => StatusCodes.Status404NotFound,
            RefundRejectedException => StatusCodes.Status422UnprocessableEntity,
            AcquirerException => StatusCodes.Status502BadGateway,
            _ => 0,
        };
        if (status == 0)
        {
            return false;
        }
        logger.LogWarning(exception, "{Path} answered {Status}", context.Request.Path, status);
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Detail = exception.Message }, ct);
        return true;
    }
}
