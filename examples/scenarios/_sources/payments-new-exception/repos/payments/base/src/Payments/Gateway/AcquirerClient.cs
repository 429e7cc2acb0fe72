using System.Net.Http.Json;

namespace Fabrikam.Payments.Gateway;

public class AcquirerException(string message) : Exception(message);

public sealed class AcquirerClient(HttpClient http)
{
    public async Task<string> CaptureAsync(string authorisation, decimal amount, string currency, CancellationToken ct)
    {
        var body = new { amount = new { value = ToMinorUnits(amount), currency } };
        var response = await SendAsync($"v71/payments/{authorisation}/captures", body, ct);
        return response.PspReference;
    }

    public async Task<string> RefundAsync(string pspReference, decimal amount, string currency, CancellationToken ct)
    {
        var body = new { amount = new { value = ToMinorUnits(amount), currency } };
        var response = await SendAsync($"v71/payments/{pspReference}/refunds", body, ct);
        return response.PspReference;
    }

    private async Task<AcquirerResponse> SendAsync(string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new AcquirerException($"acquirer answered {(int)response.StatusCode} to POST {path}");
        }
        return (await response.Content.ReadFromJsonAsync<AcquirerResponse>(ct))!;
    }

    private static long ToMinorUnits(decimal amount) => (long)Math.Round(amount * 100m, MidpointRounding.AwayFromZero);

    private sealed record AcquirerResponse(string PspReference, string Status);
}
