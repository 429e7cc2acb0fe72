// Package telemetry sends requests, dependencies, exceptions, traces and metrics to Application
// Insights under the cloud role inventory-api.
package telemetry

import (
	"context"
	"time"

	"github.com/microsoft/ApplicationInsights-Go/appinsights"
	"github.com/microsoft/ApplicationInsights-Go/appinsights/contracts"
)

type Client struct {
	ai appinsights.TelemetryClient
}

type operationKey struct{}

func New(instrumentationKey, role, version string) *Client {
	ai := appinsights.NewTelemetryClient(instrumentationKey)
	ai.Context().Tags.Cloud().SetRole(role)
	ai.Context().Tags.Application().SetVer(version)
	return &Client{ai: ai}
}

// WithOperation tags everything recorded under ctx with the request's operation id.
func WithOperation(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, operationKey{}, id)
}

func operation(ctx context.Context) string {
	id, _ := ctx.Value(operationKey{}).(string)
	return id
}

// Dependency records a call to kind/target (PostgreSQL, Redis, HTTP) that started at start.
func (c *Client) Dependency(ctx context.Context, kind, target, name, data string, start time.Time, err error) {
	d := appinsights.NewRemoteDependencyTelemetry(name, kind, target, err == nil)
	d.Data = data
	d.MarkTime(start, time.Now())
	d.Tags.Operation().SetId(operation(ctx))
	c.ai.Track(d)
}

// Exception records err with the caller's stack.
func (c *Client) Exception(
	ctx context.Context, err error, level contracts.SeverityLevel, properties map[string]string,
) {
	e := appinsights.NewExceptionTelemetry(err)
	e.Frames = appinsights.GetCallstack(2)
	e.SeverityLevel = level
	for k, v := range properties {
		e.Properties[k] = v
	}
	e.Tags.Operation().SetId(operation(ctx))
	c.ai.Track(e)
}

func (c *Client) Trace(ctx context.Context, message string, level contracts.SeverityLevel) {
	t := appinsights.NewTraceTelemetry(message, level)
	t.Tags.Operation().SetId(operation(ctx))
	c.ai.Track(t)
}

func (c *Client) Metric(name string, value float64, properties map[string]string) {
	m := appinsights.NewMetricTelemetry(name, value)
	for k, v := range properties {
		m.Properties[k] = v
	}
	c.ai.Track(m)
}
