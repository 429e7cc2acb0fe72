using System.Data;
using Dapper;
using Microsoft.Data.SqlClient;

namespace Fabrikam.Ledger.Postings;

public sealed class DuplicateReferenceException(string reference) : Exception($"{reference} is already posted");

public sealed class PostingWriter(SqlConnectionFactory db)
{
    private const string InsertEntry =
        "INSERT INTO dbo.Entries (Id, Reference, Currency, PostedAt) "
        + "VALUES (@Id, @Reference, @Currency, SYSDATETIMEOFFSET())";
    private const string InsertLine =
        "INSERT INTO dbo.Lines (EntryId, Account, Debit, Credit) VALUES (@EntryId, @Account, @Debit, @Credit)";
    private const string UpdateBalance =
        "UPDATE dbo.Balances SET Balance = Balance + @Debit - @Credit "
        + "WHERE Account = @Account AND Currency = @Currency";

    public async Task<Guid> WriteAsync(JournalEntry entry, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        await using var conn = db.Create();
        await conn.OpenAsync(ct);
        await using var tx = (SqlTransaction)await conn.BeginTransactionAsync(IsolationLevel.Serializable, ct);
        try
        {
            var header = new { Id = id, entry.Reference, entry.Currency };
            await conn.ExecuteAsync(new CommandDefinition(InsertEntry, header, tx, cancellationToken: ct));
        }
        catch (SqlException e) when (e.Number == 2627)
        {
            throw new DuplicateReferenceException(entry.Reference);
        }
        foreach (var line in entry.Lines)
        {
            var row = new { EntryId = id, line.Account, line.Debit, line.Credit };
            await conn.ExecuteAsync(new CommandDefinition(InsertLine, row, tx, cancellationToken: ct));
            var delta = new { line.Account, entry.Currency, line.Debit, line.Credit };
            await conn.ExecuteAsync(new CommandDefinition(UpdateBalance, delta, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
        return id;
    }
}
