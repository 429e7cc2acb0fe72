using Fabrikam.Payments;
using Fabrikam.Payments.Captures;
using Fabrikam.Payments.Gateway;
using Fabrikam.Payments.Refunds;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddApplicationInsightsTelemetry();
builder.Services.AddControllers();
builder.Services.AddExceptionHandler<DomainExceptionHandler>();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new SqlConnectionFactory(builder.Configuration.GetConnectionString("Payments")!));
builder.Services.AddSingleton<RefundPolicy>();
builder.Services.AddScoped<CaptureStore>();
builder.Services.AddScoped<CaptureHandler>();
builder.Services.AddScoped<RefundHandler>();
builder.Services.AddHttpClient<AcquirerClient>(client =>
    client.BaseAddress = new Uri(builder.Configuration["Acquirer:BaseUrl"]!));

var app = builder.Build();
app.UseExceptionHandler();
app.MapControllers();
app.MapGet("/healthz", () => Results.Ok());
app.Run();
