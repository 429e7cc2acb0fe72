using Dapper;
using Microsoft.Data.SqlClient;

namespace Fabrikam.Payments.Captures;

public sealed class SqlConnectionFactory(string connectionString)
{
    public SqlConnection Create() => new(connectionString);
}

public sealed class CaptureStore(SqlConnectionFactory db)
{
    private const string SelectCapture =
        "SELECT Id, OrderId, PspReference, Amount, Currency, RefundedAmount, CapturedAt "
        + "FROM dbo.Captures WHERE Id = @id";

    public async Task<Capture?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var conn = db.Create();
        var query = new CommandDefinition(SelectCapture, new { id }, cancellationToken: ct);
        return await conn.QuerySingleOrDefaultAsync<Capture>(query);
    }

    public async Task<Capture> InsertAsync(
        string orderId, string pspReference, decimal amount, string currency, CancellationToken ct)
    {
        var capture = new Capture(Guid.NewGuid(), orderId, pspReference, amount, currency, 0m, DateTimeOffset.UtcNow);
        await using var conn = db.Create();
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO dbo.Captures (Id, OrderId, PspReference, Amount, Currency, RefundedAmount, CapturedAt) "
            + "VALUES (@Id, @OrderId, @PspReference, @Amount, @Currency, @RefundedAmount, @CapturedAt)",
            capture, cancellationToken: ct));
        return capture;
    }

    public async Task<Guid> RecordRefundAsync(Guid captureId, decimal amount, string pspReference, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        await using var conn = db.Create();
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO dbo.Refunds (Id, CaptureId, Amount, PspReference) "
            + "VALUES (@id, @captureId, @amount, @pspReference); "
            + "UPDATE dbo.Captures SET RefundedAmount = RefundedAmount + @amount WHERE Id = @captureId",
            new { id, captureId, amount, pspReference }, cancellationToken: ct));
        return id;
    }
}
