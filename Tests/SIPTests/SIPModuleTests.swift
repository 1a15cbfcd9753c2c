import Testing
@testable import SIP

@Test func maxMessageSizeFitsUDP() {
    #expect(SIP.maxMessageSize <= 65_507)
}
