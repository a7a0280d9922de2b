import SwiftRepliesCore

extension SalesAgent {
    /// The answer to one customer message in a conversation, and the conversation's state after
    /// it. Pure: the same message, state and hits give the same answer, so that replaying the
    /// history rebuilds the state the earlier turns left.
    ///
    /// The order is a shop assistant's: complaint or refund, a person, a discount, an order, a
    /// price (or "we don't sell that"), the knowledge base, small talk, the fallback.
    func decide(_ message: SalesMessage, state: SalesConversationState, hits: [KnowledgeHit]) -> (response: AgentResponse, state: SalesConversationState) {
        var next = state
        next.question = nil
        if let place = message.place { next.place = place }
        if let name = message.name { next.name = name }
        let customerLanguage = message.languageEvidence ? message.language : (state.language ?? message.language)
        next.language = customerLanguage
        let phrases = SalesPhrases(language: customerLanguage)
        let language = customerLanguage.rawValue
        let text = message.text
        let bestHit = acceptedHit(hits, message: message)
        // "Can I return it if it's broken?" asks about a policy; "it arrived broken" complains.
        let knowledgeFirst = message.isQuestion && (bestHit?.score ?? 0) >= confidentKnowledgeScore

        // 1. Complaint or refund.
        if message.refund, !knowledgeFirst {
            next.pendingOrder = nil
            let product = message.named.first ?? state.product
            return (
                AgentResponse(
                    messages: [phrases.refundEscalated],
                    escalation: EscalationRequest(
                        requestType: "refund", details: "Customer asks for a refund\(product.map { " (\($0.name), \($0.sku))" } ?? ""): \"\(text)\"", priority: .high,
                        context: product.map { ["sku": $0.sku, "product": $0.name] } ?? [:]),
                    intent: "refund"
                ), next
            )
        }
        if message.complaint, !knowledgeFirst {
            next.pendingOrder = nil
            // "My projector came faulty, what do I do?" has an answer; "it arrived broken" goes to the team.
            if let bestHit, message.isQuestion || bestHit.score >= confidentKnowledgeScore {
                return (AgentResponse(messages: [bestHit.entry.answer(in: language)], intent: "faq:\(bestHit.entry.id)"), next)
            }
            return (
                AgentResponse(
                    messages: [phrases.complaintEscalated],
                    escalation: EscalationRequest(requestType: "human_handoff", details: "Customer reports a problem: \"\(text)\"", priority: .high),
                    intent: "complaint"
                ), next
            )
        }
        // 2. A person.
        if lexicon.contains(humanPhrases, in: message.tokens) {
            return (
                AgentResponse(
                    messages: [phrases.humanHandoff],
                    escalation: EscalationRequest(requestType: "human_handoff", details: "Customer asks for a person: \"\(text)\"", priority: .high),
                    intent: "human_handoff"
                ), next
            )
        }
        // 3. A discount.
        if message.discount {
            // The product under discussion is what a request to the team is about; an order intent
            // is recorded only for a product this message names.
            let about = message.named.isEmpty ? (state.product.map { [$0] } ?? []) : message.named
            return (discount(percent: message.percent, named: about, ordering: message.named, text: text, phrases: phrases), next)
        }
        // 4. An order: confirmed, named with a quantity or an order word, or a bare quantity for
        // the product under discussion.
        if message.yes, let pending = state.pendingOrder {
            next.pendingOrder = nil
            return (
                AgentResponse(
                    messages: [phrases.orderConfirmed(pending, total: total(pending), place: next.place, name: next.name)], orderIntent: OrderIntent(lines: pending),
                    intent: "order.confirmed"
                ), next
            )
        }
        let ordersNamed = !message.named.isEmpty && !knowledgeFirst && !message.returning
            && (message.wantsToOrder || (message.quantity != nil && !message.asksPrice && !message.isQuestion) || state.question == .productForOrder)
        let followsUp = message.isBareQuantity || (message.yes && state.pendingOrder == nil) || (message.wantsToOrder && message.named.isEmpty && message.quantity != nil)
        let orderedProducts: [Product]? = ordersNamed ? message.named : followsUp ? state.product.map { [$0] } : nil
        if let orderedProducts, !orderedProducts.isEmpty {
            let lines = lines(orderedProducts, quantity: message.quantity ?? 1)
            next.pendingOrder = lines
            next.product = orderedProducts.first
            if !message.namedByOrdinal { next.products = orderedProducts }
            return (AgentResponse(messages: [phrases.order(lines, total: total(lines))], orderIntent: OrderIntent(lines: lines), intent: "order"), next)
        }
        // The name or delivery place for the order waiting for a yes.
        if let pending = state.pendingOrder, message.name != nil || message.place != nil, message.named.isEmpty, !message.isQuestion {
            return (
                AgentResponse(messages: [phrases.orderDetails(pending, total: total(pending), place: next.place, name: next.name)], intent: "order.details"), next
            )
        }
        // 5. A price, or a product the shop does not carry.
        // A question about a named product ("kif bhot l laz2at") takes a weaker knowledge base hit:
        // the product's own words weigh little in the search.
        let productQuestionHit = message.isQuestion && !message.asksPrice && !message.namesOnlyProducts ? hits.first.flatMap { $0.score >= minimumKnowledgeScore * 0.6 ? $0 : nil } : nil
        if let productQuestionHit, bestHit == nil, !message.named.isEmpty {
            next.product = message.named.first
            return (AgentResponse(messages: [productQuestionHit.entry.answer(in: language)], intent: "faq:\(productQuestionHit.entry.id)"), next)
        }
        if !message.named.isEmpty, message.asksPrice || bestHit == nil || state.question == .productForPrice || message.namesOnlyProducts {
            next.product = message.named.first
            if !message.namedByOrdinal { next.products = message.named }
            return (AgentResponse(messages: message.named.prefix(3).map { phrases.price($0) }, intent: "price"), next)
        }
        if message.asksPrice, message.named.isEmpty, let product = state.product, message.topical.isEmpty {
            return (AgentResponse(messages: [phrases.price(product)], intent: "price"), next)
        }
        if message.asksCatalogue, !definition.catalogue.isEmpty {
            return (AgentResponse(messages: [phrases.catalogue(definition.catalogue)], intent: "catalogue"), next)
        }
        if message.named.isEmpty, message.asksAvailability, bestHit.map({ $0.score < confidentKnowledgeScore }) ?? true,
            let unknown = vocabulary.unknownWords(message.topical, lexicon: lexicon, catalogueOnly: bestHit == nil || bestHit.map { $0.coverage < 1 } ?? true), !unknown.isEmpty
        {
            let closest = vocabulary.closestProducts(to: message.topical, in: definition.catalogue)
            return (AgentResponse(messages: [phrases.notSold(closest)], intent: "not_sold"), next)
        }
        if message.asksPrice, bestHit == nil, !definition.catalogue.isEmpty {
            next.question = .productForPrice
            return (AgentResponse(messages: [phrases.whichProduct(definition.catalogue)], intent: "price.which_product"), next)
        }
        // Thanks and greetings alone are small talk, whatever the knowledge base matches.
        if message.thanks { return (AgentResponse(messages: [phrases.thanks], intent: "smalltalk.thanks"), next) }
        if message.greetingOnly { return (AgentResponse(messages: [greeting(customerLanguage)], intent: "greeting"), next) }
        // 6. The knowledge base.
        if let bestHit {
            return (AgentResponse(messages: [bestHit.entry.answer(in: language)], intent: "faq:\(bestHit.entry.id)"), next)
        }
        if message.wantsToOrder, !definition.catalogue.isEmpty {
            next.question = .productForOrder
            return (AgentResponse(messages: [phrases.whichProductToOrder(definition.catalogue)], intent: "order.which_product"), next)
        }
        if !definition.catalogue.isEmpty, message.catalogue {
            return (AgentResponse(messages: [phrases.catalogue(definition.catalogue)], intent: "catalogue"), next)
        }
        // 7. Small talk.
        if message.no, state.pendingOrder != nil {
            next.pendingOrder = nil
            return (AgentResponse(messages: [phrases.orderCancelled], intent: "order.cancelled"), next)
        }
        // 8. The fallback.
        return (AgentResponse(messages: [definition.fallback(in: language)], intent: "fallback"), next)
    }

    private func discount(percent: Double?, named: [Product], ordering: [Product], text: String, phrases: SalesPhrases) -> AgentResponse {
        let limit = definition.escalation.maxDiscountPercent ?? 0
        let productNote = named.first.map { " on \($0.name) (\($0.sku))" } ?? ""
        guard let percent else {
            if limit > 0 { return AgentResponse(messages: [phrases.discountMaximum(limit)], intent: "discount.offer") }
            return AgentResponse(
                messages: [phrases.discountEscalated(0)],
                escalation: EscalationRequest(requestType: "discount_approval", details: "Customer asks for a discount\(productNote): \"\(text)\""),
                intent: "discount.escalated"
            )
        }
        if percent <= limit {
            let lines = lines(ordering, quantity: 1)
            return AgentResponse(
                messages: [phrases.discountGranted(percent)], orderIntent: lines.isEmpty ? nil : OrderIntent(lines: lines, discountPercent: percent),
                intent: "discount.granted"
            )
        }
        var context = ["limit_percent": SalesPhrases.percent(limit)]
        if let product = named.first {
            context["sku"] = product.sku
            context["product"] = product.name
        }
        return AgentResponse(
            messages: [phrases.discountEscalated(percent)],
            escalation: EscalationRequest(
                requestType: "discount_approval", details: "Customer asks for a \(SalesPhrases.percent(percent)) discount\(productNote); the agent may grant \(SalesPhrases.percent(limit))",
                requestedAmount: percent, priority: percent >= 2 * max(limit, 1) ? .high : .medium, context: context
            ),
            intent: "discount.escalated"
        )
    }
}
