import Foundation
import Logging
import ServiceLifecycle
import SwiftRepliesRuntime
import UnixSignals

/// Reloads the configuration when `tenants.yaml` or a file under `agents/` changes (a cheap
/// poll of names, sizes and modification times, so editors that write a temporary file and
/// rename it work), once the files have been still for a moment; and on `SIGHUP`.
struct ConfigWatchService: Service {
    let reloader: ConfigReloader
    let tenantsFile: String
    let agentsDirectory: String
    /// Poll for file changes (`--no-watch` turns it off; SIGHUP still works).
    let watchFiles: Bool
    let interval: Duration
    let logger: Logger
    /// The files as they were when the configuration in force was loaded: any change after that
    /// is noticed, even one made before this service started polling.
    let loadedFingerprint: [String: String]

    init(
        reloader: ConfigReloader, tenantsFile: String, agentsDirectory: String, watchFiles: Bool, interval: Duration, logger: Logger,
        loadedFingerprint: [String: String]
    ) {
        self.reloader = reloader
        self.tenantsFile = tenantsFile
        self.agentsDirectory = agentsDirectory
        self.watchFiles = watchFiles
        self.interval = interval
        self.logger = logger
        self.loadedFingerprint = loadedFingerprint
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    await reloader.reload(trigger: "sighup")
                }
            }
            if watchFiles {
                group.addTask { await watch() }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    private func watch() async {
        var last = loadedFingerprint
        var pending: [String: String]?
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = Self.fingerprint(tenantsFile: tenantsFile, agentsDirectory: agentsDirectory)
            if now != last {
                // Changed: wait until it holds still for one interval (a save in several writes).
                last = now
                pending = now
                continue
            }
            if pending != nil {
                pending = nil
                await reloader.reload(trigger: "watch")
            }
        }
    }

    /// Name → size and modification time of every configuration file.
    static func fingerprint(tenantsFile: String, agentsDirectory: String) -> [String: String] {
        var files = [tenantsFile]
        if let names = try? FileManager.default.contentsOfDirectory(atPath: agentsDirectory) {
            files += names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.map {
                (agentsDirectory as NSString).appendingPathComponent($0)
            }
        }
        var result: [String: String] = [:]
        for file in files {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else { continue }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[file] = "\(size)@\(modified)"
        }
        return result
    }
}
