import AsyncHTTPClient
import Foundation
import Logging
import SwiftRepliesCore

/// The built-in `llm` module: answers with any OpenAI-compatible chat-completions endpoint
/// (OpenAI, Azure OpenAI, OpenRouter, Groq, vLLM, llama.cpp, Ollama, ...).
///
/// The prompt carries the agent's persona, its catalogue (sku, name, price, currency), the
/// knowledge base hits and the team's active instructions for the conversation, then the history
/// and the new messages (see `LLMPrompt`). The model may call two tools:
/// - `request_human_decision` (`request_type`, `details`, `requested_amount`, `priority`) becomes
///   the response's `EscalationRequest`, for the Actions Center;
/// - `record_order_intent` (`lines` of `sku` + `quantity`, `discount_percent`) becomes its
///   `OrderIntent`, priced from the catalogue. A discount above the agent's
///   `escalation.max_discount_percent` is not granted: it becomes a `discount_approval` request.
///
/// When the model calls a tool without writing anything, the customer gets a short message
/// ("Let me check that with the team..."). Timeouts, connection errors, non-2xx answers and
/// replies that are not chat completions give `fallback_message` (intent `fallback`), never
/// silence. One request per turn; tool results are not sent back to the model.
public struct LLMAgent: AgentModule {
    /// The agent definition this module runs.
    public let definition: AgentDefinition
    /// The checked `settings:` of the definition.
    public let settings: LLMAgentSettings
    let endpoint: RemoteEndpoint

    /// Builds the agent; throws `ModuleBuildError` when its settings are unusable.
    public init(definition: AgentDefinition, httpClient: HTTPClient, retryBackoff: Duration = .milliseconds(200)) throws {
        self.definition = definition
        self.settings = try LLMAgentSettings(definition: definition)
        self.endpoint = RemoteEndpoint(
            client: httpClient, url: settings.chatCompletionsURL, timeout: settings.timeout, retries: settings.retries, backoff: retryBackoff)
    }

    /// `history_limit` from the settings: how many earlier messages go into the prompt.
    public var historyLimit: Int { settings.historyLimit }

    /// Asks the model and maps its answer and tool calls; answers with `fallback_message` when
    /// the model gives no usable answer (it never throws for a remote failure).
    public func respond(to turn: Turn) async throws -> AgentResponse {
        var logger = turn.logger
        logger[metadataKey: "agent.module"] = "llm"
        logger[metadataKey: "llm.model"] = "\(settings.model)"

        if case .customerMessages = turn.trigger, !turn.messages.contains(where: { LLMPrompt.readable($0.kind, text: $0.text) != nil }) {
            return .silent(intent: "empty")
        }
        if let key = settings.apiKey, key.isEmpty {
            return fallback(.notConfigured("the agent's api_key is empty (is its ${VAR} set?)"), logger: logger)
        }
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = Array(try encoder.encode(LLMPrompt(turn: turn, settings: settings).request()))
        } catch {
            return fallback(.invalidReply("the prompt could not be encoded: \(error)"), logger: logger)
        }
        let apiKey = settings.apiKey
        let result = await endpoint.post(body: body, logger: logger) {
            apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
        }
        switch result {
        case .failure(let failure):
            return fallback(failure, logger: logger)
        case .success(let reply):
            do {
                guard let response = try response(from: reply, logger: logger) else {
                    return fallback(.invalidReply("the model wrote nothing and called no tool"), logger: logger)
                }
                return response
            } catch {
                return fallback(.invalidReply("\(error)"), logger: logger)
            }
        }
    }

    /// Maps a chat-completions reply to a response; `nil` when the model said and did nothing.
    func response(from bytes: [UInt8], logger: Logger) throws -> AgentResponse? {
        guard let root = JSONValue.parse(bytes) else { throw ReplySchemaError("the body is not JSON") }
        guard let choice = root["choices"]?.arrayValue?.first else { throw ReplySchemaError("no choices in the reply") }
        guard let message = choice["message"], case .object = message else { throw ReplySchemaError("choices[0].message is missing") }

        var text = ""
        switch message["content"] {
        case .string(let content)?: text = content
        case .array(let parts)?: text = parts.compactMap { $0["text"]?.stringValue }.joined()
        default: break
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)

        var escalation: EscalationRequest?
        var order: OrderIntent?
        for call in message["tool_calls"]?.arrayValue ?? [] {
            guard let function = call["function"], let name = function["name"]?.stringValue else { continue }
            do {
                let arguments = try Self.arguments(function["arguments"])
                switch name {
                case LLMPrompt.escalationTool where escalation == nil:
                    escalation = try ReplyMapping.escalation(arguments, field: name)
                case LLMPrompt.orderTool where order == nil:
                    order = try ReplyMapping.orderIntent(arguments, field: name, catalogue: definition.catalogue, logger: logger)
                default:
                    logger.warning("model tool call ignored", metadata: ["tool": "\(name)"])
                }
            } catch {
                logger.warning("model tool call with unusable arguments ignored", metadata: ["tool": "\(name)", "error": "\(error)"])
            }
        }

        // A discount above the agent's limit is a human's decision, whatever the model says.
        if var intent = order, let discount = intent.discountPercent, discount > (definition.escalation.maxDiscountPercent ?? 0) {
            intent.discountPercent = nil
            order = intent
            if escalation == nil {
                let items = intent.lines.map { "\($0.quantity) × \($0.name)" }.joined(separator: ", ")
                escalation = EscalationRequest(
                    requestType: "discount_approval", details: "Customer asks for \(ReplyMapping.percentText(discount)) off: \(items)",
                    requestedAmount: discount, priority: .medium, context: ["skus": intent.lines.map(\.sku).joined(separator: ",")])
            }
        }

        var messages: [String] = []
        if !text.isEmpty {
            messages = [text]
        } else if let escalation {
            messages = [ReplyMapping.escalationMessage(escalation)]
        } else if let order {
            messages = [ReplyMapping.orderMessage(order)]
        } else {
            return nil
        }
        let intent = escalation?.requestType ?? (order != nil ? "order_intent" : "llm")
        return AgentResponse(messages: messages, escalation: escalation, orderIntent: order, intent: intent)
    }

    /// Tool arguments: a JSON string (OpenAI) or an object (some compatible servers).
    static func arguments(_ value: JSONValue?) throws -> JSONValue {
        switch value {
        case .string(let text)?:
            guard let parsed = JSONValue.parse(Array(text.utf8)) else { throw ReplySchemaError("arguments are not JSON") }
            return parsed
        case .object(let members)?:
            return .object(members)
        default:
            return .object([:])
        }
    }

    private func fallback(_ failure: RemoteCallFailure, logger: Logger) -> AgentResponse {
        logger.error(
            "model gave no usable answer; sending the fallback message",
            metadata: ["url": "\(settings.chatCompletionsURL)", "failure": "\(failure)", "failure.kind": "\(failure.kind)"])
        return AgentResponse(messages: [settings.fallbackMessage], intent: "fallback")
    }
}
