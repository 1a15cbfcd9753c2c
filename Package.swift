// swift-tools-version: 6.2
import PackageDescription

// Swift 6 language mode (tools 6.2): complete concurrency checking everywhere.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-transcoder", targets: ["Transcoder"]),
        .library(name: "PortProtocol", targets: ["PortProtocol"]),
        .library(name: "Supervision", targets: ["Supervision"]),
        .library(name: "WorkerPorts", targets: ["WorkerPorts"]),
        .library(name: "SDP", targets: ["SDP"]),
        .library(name: "SIP", targets: ["SIP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: the port protocol (pure codec, shared by orchestrator and workers)
        .target(name: "PortProtocol", swiftSettings: strict),

        // MARK: processes and pipes
        .target(name: "CProcessSpawn"),
        .target(
            name: "WorkerPorts",
            dependencies: [
                "PortProtocol", "CProcessSpawn", "Supervision",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: SDP offer/answer (pure)
        .target(name: "SDP", swiftSettings: strict),

        // MARK: SIP: messages, transactions, dialogs (pure)
        .target(name: "SIP", swiftSettings: strict),

        // MARK: edges: failure detection, edge states, placement (pure)
        .target(name: "Edges", swiftSettings: strict),

        // MARK: sessions: the state machine, port allocation (pure)
        .target(name: "Sessions", swiftSettings: strict),

        // MARK: OTP supervision (generic, knows nothing of media)
        .target(
            name: "Supervision",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // MARK: the orchestrator: config, pools, HTTP API, metrics
        .target(
            name: "SwitchboardServer",
            dependencies: [
                "PortProtocol", "WorkerPorts", "Supervision", "SDP", "SIP", "Sessions", "Edges",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.embedInCode("UI/Static")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardServer", "WorkerPorts", "PortProtocol", "MediaCodecs", "Edges",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: workers
        .systemLibrary(name: "COpus", path: "Workers/COpus", pkgConfig: "opus",
                       providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSRTP", path: "Workers/CSRTP", pkgConfig: "libsrtp2",
                       providers: [.apt(["libsrtp2-dev"])]),
        .target(name: "MediaCodecs", dependencies: ["PortProtocol", "COpus", "CSRTP"], path: "Workers/MediaCodecs",
                swiftSettings: strict),
        .executableTarget(
            name: "Transcoder",
            dependencies: ["PortProtocol", "MediaCodecs"],
            path: "Workers/Transcoder",
            swiftSettings: strict,
            // Statically linked Swift runtime: a restarted worker says hello
            // sooner (no dynamic loading of the Swift libraries).
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "-l_FoundationCShims", "-Xlinker", "-l_FoundationCollections", "-Xlinker", "-lswiftSynchronization"])]
        ),

        // MARK: tests
        .testTarget(name: "PortProtocolTests", dependencies: ["PortProtocol"]),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions"]),
        .testTarget(name: "EdgesTests", dependencies: ["Edges"]),
        .testTarget(name: "SIPTests", dependencies: ["SIP"], exclude: ["Corpus"]),
        .testTarget(name: "SDPTests", dependencies: ["SDP"], exclude: ["Corpus"]),
        .testTarget(name: "MediaPathTests",
                    dependencies: ["WorkerPorts", "PortProtocol", "SwitchboardTestKit"]),
        .testTarget(name: "MediaCodecsTests", dependencies: ["MediaCodecs", "SwitchboardTestKit"],
                    exclude: ["make_g711_reference.py", "srtp_crosscheck.py"]),
        .target(
            name: "SwitchboardTestKit",
            dependencies: ["WorkerPorts", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SwitchboardTestKit"
        ),
        .testTarget(name: "WorkerPortsTests",
                    dependencies: ["WorkerPorts", "PortProtocol", "Supervision", "SwitchboardTestKit"]),
        .testTarget(
            name: "SwitchboardServerTests",
            dependencies: ["SwitchboardServer", "SwitchboardTestKit", "CProcessSpawn", "WorkerPorts", "SIP",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
    ]
)
