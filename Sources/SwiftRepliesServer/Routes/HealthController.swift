import Foundation
import Hummingbird
import Prometheus
import SwiftRepliesCore
import SwiftRepliesRuntime

/// `GET /health` (JSON) and `GET /metrics` (Prometheus text).
struct HealthController: Sendable {
    let state: RuntimeStateHolder
    let store: any StoreLifecycle
    let dispatcher: Dispatcher
    let outbox: OutboxSender
    let reloader: ConfigReloader
    let prometheus: PrometheusCollectorRegistry?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in await health() }
        router.get("/metrics") { _, _ in metrics() }
    }

    private func health() async -> Response {
        let snapshot = state.current.snapshot
        var database: [String: Any] = ["backend": store.backendName]
        var counts: StoreCounts?
        do {
            try await store.ping()
            counts = try await store.counts()
            database["reachable"] = true
        } catch {
            database["reachable"] = false
            database["error"] = "\(error)"
        }
        let dispatch = await dispatcher.depth
        let configStatus = await reloader.status
        let outboxDepth = await outbox.depth
        var config: [String: Any] = [
            "revision": snapshot.revision,
            "tenants": snapshot.tenants.count,
            "chatbots": snapshot.chatbots.count,
            "agents": snapshot.agents.count,
            "warnings": snapshot.warnings.filter { $0.severity == .warning }.map(\.description),
            "disabled_channels": snapshot.disabledChannels.map { ["chatbot": $0.chatbot.rawValue, "account": $0.account, "reason": $0.reason] },
        ]
        if let error = configStatus.error { config["error"] = error }
        config["switches"] = [
            "multi_tenant": snapshot.switches.multiTenant, "usage_tracking": snapshot.switches.usageTracking,
            "actions_center": snapshot.switches.actionsCenter,
        ]
        let reachable = database["reachable"] as? Bool ?? false
        let body: [String: Any] = [
            "status": reachable ? "ok" : "degraded",
            "config": config,
            "database": database,
            "queue": ["pending": counts?.pendingInbound ?? -1, "in_memory": dispatch.queued, "running": dispatch.running],
            "outbox": ["pending": counts?.outboxPending ?? -1, "in_memory": outboxDepth],
            "unroutable": counts?.unroutable ?? -1,
        ]
        return JSONResponse.make(reachable ? .ok : .serviceUnavailable, body)
    }

    private func metrics() -> Response {
        var buffer: [UInt8] = []
        prometheus?.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer))
        )
    }
}
