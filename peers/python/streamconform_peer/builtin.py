"""Reflection and health on the Python peer's server (docs/peer-protocol.md, "Reflection and
health"), from grpcio-reflection and grpcio-health-checking.

grpc.health.v1.Health knows "" (the server) and streaming.DataService: SERVING, then NOT_SERVING
once the server shuts down (Watch streams get it). Reflection serves streaming.proto from the
default descriptor pool (streaming_pb2 registers it) on grpc.reflection.v1alpha, which the package
provides, and on grpc.reflection.v1 with the same servicer: the two have one wire format.
These calls never reach the peer's event log: they have handlers of their own.
"""
from __future__ import annotations

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

import streaming_pb2  # noqa: F401  (registers streaming.proto in the default descriptor pool)

DATA_SERVICE = "streaming.DataService"
HEALTH_SERVICES = ("", DATA_SERVICE)
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


class Builtin:
    """Health and reflection for one grpc.aio server; create it on the server's event loop."""

    def __init__(self) -> None:
        self.health = health.aio.HealthServicer()

    async def install(self, server: grpc.aio.Server) -> None:
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        names = (DATA_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME)
        servicer = reflection.aio.ReflectionServicer(names)
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
        v1 = grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(REFLECTION_V1, {"ServerReflectionInfo": v1}),))
        for service in HEALTH_SERVICES:
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)

    async def shutting_down(self) -> None:
        """Every service NOT_SERVING, for good (before the server drains its calls)."""
        await self.health.enter_graceful_shutdown()
