package server

// Reflection and health on the Go peer's server (docs/peer-protocol.md, "Reflection and health"),
// from grpc-go's own packages. They are services of their own, so their calls never reach the
// UnknownServiceHandler nor the event log.

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// dataService is the hosted service's name, for health.
const dataService = "streaming.DataService"

// registerBuiltin adds grpc.reflection.v1 and v1alpha (streaming.proto comes from the global
// registry, where package pb put it) and grpc.health.v1: "" and streaming.DataService SERVING.
func registerBuiltin(g *grpc.Server) *health.Server {
	reflection.Register(g) // v1alpha and v1
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus(dataService, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(g, hs)
	return hs
}
