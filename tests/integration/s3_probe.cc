// s3_probe: store/s3_client driven from the command line, for
// test_s3_client.sh against a real gateway. Not installed. Credentials and
// endpoint from the AWS_* variables (store/s3_config.h).
//
//   s3_probe put BUCKET KEY < BYTES      created: 0; the key exists: 3
//   s3_probe put-many BUCKET PREFIX N    N small objects PREFIXnnnnn over one
//                                        connection; prints the PUT latency
//   s3_probe get BUCKET KEY [MAX] > BYTES  no such key: 4; MAX: Get's bound
//   s3_probe delete BUCKET KEY           also 0 when there is no such key
//   s3_probe list BUCKET PREFIX [PAGE]   the keys, one a line
// Any other failure: 1, its message on stderr.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "store/s3_client.h"

namespace {

using ckwrap::S3Client;
using ckwrap::Status;

int Report(const Status& s) {
  if (s.ok()) return 0;
  std::fprintf(stderr, "s3_probe: %s\n", s.message().c_str());
  if (s.IsConflict()) return 3;
  if (s.IsNotFound()) return 4;
  return 1;
}

int Put(S3Client* client, const std::string& key) {
  std::string bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  return Report(client->PutIfAbsent(key, bytes));
}

int PutMany(S3Client* client, const std::string& prefix, int count) {
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "%05d", i);
    auto start = std::chrono::steady_clock::now();
    Status s = client->PutIfAbsent(prefix + key, std::string(4096, 'x'));
    if (!s.ok()) return Report(s);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    std::printf("%d PUTs of 4 KiB: median %.2f ms, p99 %.2f ms\n", count, ms[ms.size() / 2],
                ms[ms.size() * 99 / 100]);
  }
  return 0;
}

int Get(S3Client* client, const std::string& key, int max_bytes) {
  if (max_bytes > 0) client->set_max_get_bytes(static_cast<size_t>(max_bytes));
  std::string bytes;
  Status s = client->Get(key, &bytes);
  if (s.ok()) std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  return Report(s);
}

int List(S3Client* client, const std::string& prefix, int page) {
  std::vector<std::string> keys;
  Status s = client->List(prefix, &keys, page);
  for (const std::string& key : keys) std::printf("%s\n", key.c_str());
  return Report(s);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3) {
    std::fprintf(stderr, "usage: s3_probe put|put-many|get|delete|list BUCKET KEY|PREFIX [N]\n");
    return 2;
  }
  ckwrap::S3Config config;
  Status s = ckwrap::S3ConfigFromEnvironment(&config);
  if (!s.ok()) return Report(s);
  S3Client client(config, args[1]);
  int n = args.size() > 3 ? std::atoi(args[3].c_str()) : 0;
  if (args[0] == "put") return Put(&client, args[2]);
  if (args[0] == "put-many") return PutMany(&client, args[2], n);
  if (args[0] == "get") return Get(&client, args[2], n);
  if (args[0] == "delete") return Report(client.Delete(args[2]));
  if (args[0] == "list") return List(&client, args[2], n);
  std::fprintf(stderr, "s3_probe: unknown command '%s'\n", args[0].c_str());
  return 2;
}
