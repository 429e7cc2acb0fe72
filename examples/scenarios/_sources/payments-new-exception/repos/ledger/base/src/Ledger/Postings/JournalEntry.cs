using Microsoft.Data.SqlClient;

namespace Fabrikam.Ledger.Postings;

public sealed record JournalLine(string Account, decimal Debit, decimal Credit);

public sealed record JournalEntry(string Reference, string Currency, IReadOnlyList<JournalLine> Lines);

public sealed class SqlConnectionFactory(string connectionString)
{
    public SqlConnection Create() => new(connectionString);
}
