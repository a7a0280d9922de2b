import Foundation
import SwiftRepliesCore

/// Reads Twilio WhatsApp webhooks (form bodies): an inbound message or a status callback.
enum TwilioWebhookParser {
    static func parse(_ body: [UInt8]) throws(WebhookPayloadError) -> ParsedWebhook {
        let text = String(decoding: body, as: UTF8.self)
        if text.first == "{" || text.first == "[" {
            throw WebhookPayloadError("Twilio webhook has a JSON body; only form-encoded messages and status callbacks are understood")
        }
        let fields = FormURLEncoding.decode(text)
        guard let sid = nonEmpty(fields["MessageSid"]) ?? nonEmpty(fields["SmsMessageSid"]) ?? nonEmpty(fields["SmsSid"]) else {
            throw WebhookPayloadError("Twilio webhook has no MessageSid")
        }
        let messageStatus = nonEmpty(fields["MessageStatus"])?.lowercased()
        let smsStatus = nonEmpty(fields["SmsStatus"])?.lowercased()
        let looksInbound = fields["Body"] != nil || fields["NumMedia"] != nil || fields["MessageType"] != nil || fields["Latitude"] != nil
        if let status = messageStatus, status != "received" {
            return try self.status(sid: sid, status: status, fields: fields)
        }
        if messageStatus == nil, let status = smsStatus, status != "received", !looksInbound {
            return try self.status(sid: sid, status: status, fields: fields)
        }
        guard looksInbound else { throw WebhookPayloadError("Twilio webhook is neither a message nor a status callback") }
        return ParsedWebhook(messages: [try message(sid: sid, fields: fields)])
    }

    private static func message(sid: String, fields: [String: String]) throws(WebhookPayloadError) -> InboundMessage {
        guard let fromText = nonEmpty(fields["From"]) else { throw WebhookPayloadError("Twilio message has no From") }
        guard let from = PhoneNumber(normalizing: fromText) else {
            throw WebhookPayloadError("Twilio message From \"\(fromText)\" is not a phone number")
        }
        return InboundMessage(
            provider: .twilio, providerMessageID: sid, from: from, to: fields["To"].flatMap { PhoneNumber(normalizing: $0) },
            contactName: nonEmpty(fields["ProfileName"]), content: content(of: fields))
    }

    /// The normalised content of an inbound message's fields.
    static func content(of fields: [String: String]) -> MessageContent {
        let body = fields["Body"] ?? ""
        let caption = body.isEmpty ? nil : body
        let mediaCount = Int(fields["NumMedia"] ?? "") ?? 0
        var attributes: [String: String] = [:]
        if let replied = nonEmpty(fields["OriginalRepliedMessageSid"]) { attributes["context_message_id"] = replied }
        let type = nonEmpty(fields["MessageType"])?.lowercased()

        if type == "location" || (type == nil && fields["Latitude"] != nil && fields["Longitude"] != nil) {
            attributes["latitude"] = fields["Latitude"]
            attributes["longitude"] = fields["Longitude"]
            attributes["address"] = nonEmpty(fields["Address"])
            attributes["name"] = nonEmpty(fields["Label"])
            return MessageContent(kind: .location, attributes: attributes)
        }
        let buttonPayload = nonEmpty(fields["ButtonPayload"])
        let buttonText = nonEmpty(fields["ButtonText"])
        if buttonPayload != nil || buttonText != nil || type == "button" {
            attributes["payload"] = buttonPayload
            return MessageContent(kind: .button, text: buttonText ?? caption, attributes: attributes)
        }
        if let listID = nonEmpty(fields["ListId"]) {
            attributes["list_id"] = listID
            attributes["description"] = nonEmpty(fields["ListDescription"])
            return MessageContent(kind: .listReply, text: nonEmpty(fields["ListTitle"]) ?? caption, attributes: attributes)
        }
        if mediaCount > 0 {
            attributes["media_url"] = nonEmpty(fields["MediaUrl0"])
            attributes["mime_type"] = nonEmpty(fields["MediaContentType0"])
            attributes["media_count"] = String(mediaCount)
            let kind: MessageKind
            switch type {
            case "image": kind = .image
            case "video": kind = .video
            case "audio": kind = .audio
            case "document": kind = .document
            case "sticker": kind = .sticker
            default:
                let mime = (fields["MediaContentType0"] ?? "").lowercased()
                if mime.hasPrefix("image/") { kind = .image }
                else if mime.hasPrefix("video/") { kind = .video }
                else if mime.hasPrefix("audio/") { kind = .audio }
                else { kind = .document }
            }
            return MessageContent(kind: kind, text: caption, attributes: attributes)
        }
        switch type {
        case nil, "text":
            return MessageContent(kind: .text, text: body, attributes: attributes)
        case "contacts":
            return MessageContent(kind: .contacts, attributes: attributes)
        case "reaction":
            return MessageContent(kind: .reaction, attributes: attributes)
        default:
            attributes["provider_type"] = type
            return MessageContent(kind: .unsupported, text: nil, attributes: attributes)
        }
    }

    private static func status(sid: String, status: String, fields: [String: String]) throws(WebhookPayloadError) -> ParsedWebhook {
        let state: DeliveryState
        switch status {
        case "queued", "accepted", "scheduled", "sending": state = .accepted
        case "sent": state = .sent
        case "delivered", "partially_delivered": state = .delivered
        case "read": state = .read
        case "failed", "undelivered", "canceled": state = .failed
        default: return ParsedWebhook(ignoredCount: 1)
        }
        let errorCode = nonEmpty(fields["ErrorCode"]).flatMap { $0 == "0" ? nil : $0 }
        let update = DeliveryStatusUpdate(
            provider: .twilio, providerMessageID: sid, state: state, errorCode: errorCode,
            errorMessage: nonEmpty(fields["ErrorMessage"]) ?? nonEmpty(fields["ChannelStatusMessage"]),
            businessNumber: fields["From"].flatMap { PhoneNumber(normalizing: $0) },
            recipient: fields["To"].flatMap { PhoneNumber(normalizing: $0) })
        return ParsedWebhook(statuses: [update])
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
