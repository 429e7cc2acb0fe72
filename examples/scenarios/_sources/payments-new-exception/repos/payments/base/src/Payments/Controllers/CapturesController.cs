using Fabrikam.Payments.Captures;
using Microsoft.AspNetCore.Mvc;

namespace Fabrikam.Payments.Controllers;

[ApiController]
[Route("api/captures")]
public sealed class CapturesController(CaptureHandler handler, CaptureStore captures) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Create(CaptureRequest request, CancellationToken ct)
    {
        var capture = await handler.HandleAsync(request, ct);
        return CreatedAtAction(nameof(Get), new { id = capture.Id }, capture);
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Get(Guid id, CancellationToken ct)
    {
        var capture = await captures.GetAsync(id, ct);
        return capture is null ? NotFound() : Ok(capture);
    }
}
