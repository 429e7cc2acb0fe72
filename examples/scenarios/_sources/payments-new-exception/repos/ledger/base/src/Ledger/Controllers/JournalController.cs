using Fabrikam.Ledger.Postings;
using Microsoft.AspNetCore.Mvc;

namespace Fabrikam.Ledger.Controllers;

[ApiController]
[Route("api/journal")]
public sealed class JournalController(PostingWriter writer) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Post(JournalEntry entry, CancellationToken ct)
    {
        try
        {
            var id = await writer.WriteAsync(entry, ct);
            return Created($"/api/journal/{id}", new { id });
        }
        catch (DuplicateReferenceException e)
        {
            return Conflict(new { error = e.Message });
        }
    }
}
