using Dapper;
using Fabrikam.Ledger.Postings;
using Microsoft.AspNetCore.Mvc;

namespace Fabrikam.Ledger.Accounts;

public sealed class BalanceQuery(SqlConnectionFactory db)
{
    public async Task<decimal?> GetAsync(string account, string currency, CancellationToken ct)
    {
        await using var conn = db.Create();
        return await conn.QuerySingleOrDefaultAsync<decimal?>(new CommandDefinition(
            "SELECT Balance FROM dbo.Balances WHERE Account = @account AND Currency = @currency", new { account,
                currency }, cancellationToken: ct));
    }
}

[ApiController]
[Route("api/accounts")]
public sealed class AccountsController(BalanceQuery balances) : ControllerBase
{
    [HttpGet("{account}/balance")]
    public async Task<IActionResult> Balance(string account, [FromQuery] string currency, CancellationToken ct) =>
        await balances.GetAsync(account, currency, ct) is { } balance ? Ok(new { account, currency,
            balance }) : NotFound();
}
