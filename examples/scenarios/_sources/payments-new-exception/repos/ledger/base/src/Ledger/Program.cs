using Fabrikam.Ledger.Accounts;
using Fabrikam.Ledger.Postings;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddApplicationInsightsTelemetry();
builder.Services.AddControllers();
builder.Services.AddSingleton(new SqlConnectionFactory(builder.Configuration.GetConnectionString("Ledger")!));
builder.Services.AddScoped<PostingWriter>();
builder.Services.AddScoped<BalanceQuery>();

var app = builder.Build();
app.MapControllers();
app.MapGet("/healthz", () => Results.Ok());
app.Run();
