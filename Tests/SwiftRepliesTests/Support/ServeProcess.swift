import AsyncHTTPClient
import Foundation
import NIOCore
import SwiftRepliesChannels

/// The real `swiftreplies serve` executable as a child process, for signal and crash tests.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let logURL: URL

    /// The built executable, next to the test bundle in `.build/<configuration>/`.
    static var executable: URL? {
        var directory = Bundle.module.bundleURL.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("swiftreplies")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Starts `serve` and waits until `/health` answers.
    init(configDirectory: URL, database: String, environment: [String: String], port: Int) async throws {
        guard let executable = Self.executable else { throw ServeProcessError(description: "swiftreplies executable not built") }
        self.port = port
        logURL = configDirectory.appendingPathComponent("serve-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: logURL)
        process.executableURL = executable
        process.arguments = ["serve", "--config-dir", configDirectory.path, "--database", database, "--host", "127.0.0.1", "--port", String(port)]
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await Self.get("http://127.0.0.1:\(port)/health")) == 200 { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeProcessError(description: "serve did not become healthy: \(log(tail: 20))")
    }

    func log(tail lines: Int) -> String {
        let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit; returns its status (nil on timeout, after killing it).
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        return nil
    }

    static func get(_ url: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
        return Int(response.status.code)
    }

    /// POSTs a Meta webhook signed with `secret`; returns the status code.
    static func postMeta(port: Int, body: [UInt8], secret: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/meta")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Hub-Signature-256", value: MetaSignature.header(body: body, appSecret: secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Int(response.status.code)
    }

    /// A free TCP port on the loopback interface.
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0 else { throw ServeProcessError(description: "bind failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ServeProcessError: Error, CustomStringConvertible {
    var description: String
}
