import Foundation
import Logging

/// A log handler that writes one line per entry to standard error, in `StreamLogHandler`'s
/// format (`<time> <level> <label>: key=value ... [<source>] <message>`), metadata keys sorted.
///
/// Unlike `StreamLogHandler`, it renders metadata when an entry is written rather than each time
/// metadata is set. Request handlers attach ids (`hb.request.id`, tenant, chatbot, contact) to
/// their logger for every request and turn, and most of those loggers never write a line at the
/// production level; rendering on each change cost about 1.5 % of the server's CPU under load.
public struct LineLogHandler: LogHandler {
    /// Where the lines go.
    public enum Destination: Sendable {
        case standardError
        /// Lines are handed to the closure (tests).
        case lines(@Sendable (String) -> Void)
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let destination: Destination

    public init(label: String, level: Logger.Level, destination: Destination = .standardError, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.logLevel = level
        self.destination = destination
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let explicit = event.metadata, !explicit.isEmpty { merged.merge(explicit) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var text = "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { text += " \(key)=\(value)" }
        text += " [\(event.source)] \(event.message)\n"
        switch destination {
        // A closed or broken standard error loses the line rather than stopping the process.
        case .standardError: try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
        case .lines(let write): write(text)
        }
    }

    /// Local time to the second, as `StreamLogHandler` writes it (`2026-11-30T18:00:00+0000`).
    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
