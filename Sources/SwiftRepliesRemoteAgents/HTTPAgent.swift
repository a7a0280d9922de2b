import AsyncHTTPClient
import Foundation
import Logging
import SwiftRepliesCore

/// The built-in `http` module: each turn is POSTed as JSON to a remote agent server written in
/// any language, and its JSON reply becomes the bot's answer.
///
/// Requests are signed with the agent's shared secret (see `RemoteAgentSignature`). Each attempt
/// has `timeout_seconds`; connection errors and 5xx answers are retried `retries` times with a
/// short backoff (0.2 s, then doubled); 4xx answers, timeouts and replies that do not follow the
/// schema are not. Whenever the remote agent gives no usable answer the customer gets
/// `fallback_message` (intent `fallback`), never silence. The schema of both directions is in
/// docs/remote-agents.md.
public struct HTTPAgent: AgentModule {
    /// The agent definition this module runs.
    public let definition: AgentDefinition
    /// The checked `settings:` of the definition.
    public let settings: HTTPAgentSettings
    let endpoint: RemoteEndpoint

    /// Builds the agent; throws `ModuleBuildError` when its settings are unusable.
    public init(definition: AgentDefinition, httpClient: HTTPClient, retryBackoff: Duration = .milliseconds(200)) throws {
        self.definition = definition
        self.settings = try HTTPAgentSettings(definition: definition)
        self.endpoint = RemoteEndpoint(client: httpClient, url: settings.url, timeout: settings.timeout, retries: settings.retries, backoff: retryBackoff)
    }

    /// `history_limit` from the settings: how many earlier messages go in `history`.
    public var historyLimit: Int { settings.historyLimit }

    /// POSTs the turn and maps the reply; answers with `fallback_message` when the remote agent
    /// gives no usable answer (it never throws for a remote failure).
    public func respond(to turn: Turn) async throws -> AgentResponse {
        let requestID = UUID().uuidString.lowercased()
        var logger = turn.logger
        logger[metadataKey: "agent.module"] = "http"
        logger[metadataKey: "remote.request_id"] = "\(requestID)"

        guard !settings.secret.isEmpty else {
            return fallback(.notConfigured("the agent's secret is empty (is its ${VAR} set?); requests are never sent unsigned"), logger: logger)
        }
        let body: [UInt8]
        do {
            body = try HTTPAgentTurnPayload(turn: turn, requestID: requestID).encoded()
        } catch {
            return fallback(.invalidReply("the turn could not be encoded: \(error)"), logger: logger)
        }
        let secret = settings.secret
        let result = await endpoint.post(body: body, logger: logger) {
            let timestamp = Int64(Date().timeIntervalSince1970)
            return [
                (RemoteAgentSignature.timestampHeader, String(timestamp)),
                (RemoteAgentSignature.signatureHeader, RemoteAgentSignature.signature(body: body, timestamp: timestamp, secret: secret)),
                ("X-SwiftReplies-Request-Id", requestID),
            ]
        }
        switch result {
        case .failure(let failure):
            return fallback(failure, logger: logger)
        case .success(let reply):
            do {
                return try HTTPAgentReply.response(from: reply, catalogue: definition.catalogue, logger: logger)
            } catch {
                return fallback(.invalidReply("\(error)"), logger: logger)
            }
        }
    }

    private func fallback(_ failure: RemoteCallFailure, logger: Logger) -> AgentResponse {
        logger.error(
            "remote agent gave no usable answer; sending the fallback message",
            metadata: ["url": "\(settings.url)", "failure": "\(failure)", "failure.kind": "\(failure.kind)"])
        return AgentResponse(messages: [settings.fallbackMessage], intent: "fallback")
    }
}
