import Foundation

/// JSON columns of the operations tables (`tags`, `custom_fields`, `permissions`, `events`,
/// `event_data`): sorted keys, so equal values are equal text.
enum OperationsJSON {
    static func encode(_ strings: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(strings), as: UTF8.self)
    }

    static func encode(_ map: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(map), as: UTF8.self)
    }

    /// A JSON array of strings; other values in it are skipped, anything else reads as empty.
    static func strings(_ json: String) -> [String] {
        guard let array = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [Any] else { return [] }
        return array.compactMap { $0 as? String }
    }

    /// A JSON object; non-string values are written as JSON text, anything else reads as empty.
    static func map(_ json: String) -> [String: String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String: result[key] = text
            case let number as NSNumber: result[key] = number.stringValue
            default:
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                    result[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        return result
    }
}
