using Fabrikam.Payments.Refunds;
using Microsoft.AspNetCore.Mvc;

namespace Fabrikam.Payments.Controllers;

[ApiController]
[Route("api/refunds")]
public sealed class RefundsController(RefundHandler handler) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Create(RefundRequest request, CancellationToken ct)
    {
        var result = await handler.HandleAsync(request, ct);
        return Accepted(result);
    }
}
