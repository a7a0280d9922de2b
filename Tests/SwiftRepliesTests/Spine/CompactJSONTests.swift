import Foundation
import SwiftRepliesCore
import Testing

/// The compact JSON writer behind provider request bodies and stored attributes.
struct CompactJSONTests {
    /// An object given as ordered members is written exactly as the same dictionary is (whose
    /// keys the writer sorts), escapes included, and parses back to what was given.
    @Test func orderedMembersWriteTheSameBytesAsASortedDictionary() throws {
        let texts = ["plain", "", "quote \" backslash \\ slash /", "line\nreturn\rtab\tnul\u{0}unit\u{1F}", "é 你好 👋🏽 \u{2028}"]
        for text in texts {
            let dictionary = CompactJSON.encode(["a": .string(text), "b": .object(["x": .bool(true), "y": .bool(false)]), "c": .string("z")])
            let members = CompactJSON.encode(members: [
                .init("a", .string(text)), .init("b", .members([.init("x", .bool(true)), .init("y", .bool(false))])), .init("c", .string("z")),
            ])
            #expect(members == dictionary)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(members)) as? [String: Any])
            #expect(parsed["a"] as? String == text)
            #expect((parsed["b"] as? [String: Any])?["x"] as? Bool == true)
        }
        #expect(String(decoding: CompactJSON.encode(members: [.init("k", .bool(false))]), as: UTF8.self) == #"{"k":false}"#)
    }
}
