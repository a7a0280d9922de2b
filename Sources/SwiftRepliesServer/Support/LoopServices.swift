import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// Runs the dispatcher until graceful shutdown, then lets turns in flight finish.
struct DispatcherService: Service {
    let dispatcher: Dispatcher

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await gracefulShutdown()
                await dispatcher.close()
            }
            await dispatcher.run()
            group.cancelAll()
        }
    }
}

/// Runs the outbox sender until graceful shutdown, then sends what it already holds.
struct OutboxService: Service {
    let outbox: OutboxSender

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await gracefulShutdown()
                await outbox.close()
            }
            await outbox.run()
            group.cancelAll()
        }
    }
}

/// Owns the outbound HTTP client: shuts it down after everything that sends has stopped.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
