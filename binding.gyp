{
  "targets": [
    {
      "target_name": "vrrp_socket",
      "sources": ["src/native/vrrp_socket.cc"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"]
    },
    {
      "target_name": "tcp_probe",
      "sources": ["src/native/tcp_probe.cc"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"]
    },
    {
      "target_name": "netlink_exchange",
      "sources": ["src/native/netlink_exchange.cc"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"]
    }
  ]
}
