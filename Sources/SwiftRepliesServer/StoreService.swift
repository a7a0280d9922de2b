import ServiceLifecycle
import SwiftRepliesCore

/// Closes the store after every other service has stopped.
struct StoreService: Service {
    let store: any StoreLifecycle

    func run() async throws {
        try? await gracefulShutdown()
        try await store.shutdown()
    }
}
