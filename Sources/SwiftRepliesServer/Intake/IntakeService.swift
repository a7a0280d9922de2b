import Logging
import ServiceLifecycle
import SwiftRepliesCore

/// The service that runs group commits for the webhook routes and hands new messages to the
/// dispatcher. It outlives the HTTP server at shutdown, so accepted webhooks are committed.
struct IntakeService: Service {
    let batcher: IntakeBatcher
    let store: any Store
    let dispatcher: Dispatcher
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                // On graceful shutdown: take no more, commit what is queued, then stop.
                try? await gracefulShutdown()
                await batcher.close()
            }
            await batcher.run(store: store) { stored in
                dispatcher.enqueue(stored)
            }
            group.cancelAll()
        }
        logger.debug("intake stopped")
    }
}
