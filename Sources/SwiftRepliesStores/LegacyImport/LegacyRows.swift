import Foundation
import SwiftRepliesCore

/// Legacy rows from generic cells, in the order of each table's fields.
enum LegacyRows {
    static func contact(_ cells: [LegacyValue]) -> LegacyContact? {
        guard let id = cells[0].integer else { return nil }
        return LegacyContact(legacyID: id, phoneNumber: cells[1].text ?? "", threadID: nonEmpty(cells[2].text), name: nonEmpty(cells[3].text), createdAt: cells[4].date)
    }

    static func message(_ cells: [LegacyValue]) -> LegacyMessage? {
        guard let id = cells[0].integer else { return nil }
        return LegacyMessage(
            legacyID: id, legacyContactID: cells[1].integer ?? -1, direction: cells[2].text ?? "", text: cells[3].text, sentAt: cells[4].date
        )
    }

    static func order(_ cells: [LegacyValue]) -> LegacyOrder? {
        guard let id = cells[0].integer else { return nil }
        return LegacyOrder(
            legacyID: id, legacyContactID: cells[1].integer, productName: nonEmpty(cells[2].text), quantity: Int(cells[3].integer ?? 1),
            total: cells[4].number, status: nonEmpty(cells[5].text) ?? "pending", createdAt: cells[6].date
        )
    }

    static func campaign(_ cells: [LegacyValue]) -> LegacyCampaign? {
        guard let id = cells[0].integer else { return nil }
        return LegacyCampaign(
            legacyID: id, name: nonEmpty(cells[1].text) ?? "Campaign \(id)", message: cells[2].text, status: nonEmpty(cells[3].text) ?? "draft",
            createdAt: cells[4].date
        )
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.trimmingCharactersInWhitespace().isEmpty else { return nil }
        return text
    }
}
