// Atomic replacement and bounded reads: a crash leaves the old or the new file, never a torn one.
#include "base/atomic_file.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "base/crypto.h"

namespace sw {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sw-atomic-file-test-" + crypto::to_hex(crypto::random_bytes(8)));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Names of everything in the test directory.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    return names;
  }

  fs::path dir_;
};

TEST_F(AtomicFile, WritesNewFileWithTheBytes) {
  ASSERT_TRUE(write_file_atomic(dir_ / "a.txt", "hello"));
  EXPECT_EQ(read_file(dir_ / "a.txt", 100).value(), "hello");
}

TEST_F(AtomicFile, ReplacesExistingContent) {
  ASSERT_TRUE(write_file_atomic(dir_ / "a.txt", "old content that is longer"));
  ASSERT_TRUE(write_file_atomic(dir_ / "a.txt", "new"));
  EXPECT_EQ(read_file(dir_ / "a.txt", 100).value(), "new");
}

TEST_F(AtomicFile, WritesEmptyAndBinaryContent) {
  const std::string binary("\0\x01\xff\n", 4);
  ASSERT_TRUE(write_file_atomic(dir_ / "b", binary));
  EXPECT_EQ(read_file(dir_ / "b", 10).value(), binary);
  ASSERT_TRUE(write_file_atomic(dir_ / "b", ""));
  EXPECT_EQ(read_file(dir_ / "b", 10).value(), "");
}

TEST_F(AtomicFile, LeavesNoTemporaryFiles) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(write_file_atomic(dir_ / "a.txt", std::string(i * 1000, 'x')));
  EXPECT_EQ(entries(), std::vector<std::string>{"a.txt"});
}

TEST_F(AtomicFile, DefaultModeIsOwnerReadWriteOnly) {
  ASSERT_TRUE(write_file_atomic(dir_ / "key", "secret"));
  EXPECT_EQ(fs::status(dir_ / "key").permissions(), fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(AtomicFile, GivenModeIsAppliedRegardlessOfUmask) {
  const mode_t saved = ::umask(077);
  const fs::perms mode = fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;
  const Status status = write_file_atomic(dir_ / "page.html", "<p>", mode);
  ::umask(saved);
  ASSERT_TRUE(status);
  EXPECT_EQ(fs::status(dir_ / "page.html").permissions(), mode);
}

TEST_F(AtomicFile, ModeOfReplacedFileIsTheNewMode) {
  ASSERT_TRUE(write_file_atomic(dir_ / "f", "1", fs::perms::owner_all));
  ASSERT_TRUE(write_file_atomic(dir_ / "f", "2", fs::perms::owner_read));
  EXPECT_EQ(fs::status(dir_ / "f").permissions(), fs::perms::owner_read);
}

TEST_F(AtomicFile, MissingDirectoryIsAnErrorNamingThePath) {
  const fs::path target = dir_ / "no-such-dir" / "a.txt";
  const Status status = write_file_atomic(target, "x");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "file.write_failed");
  EXPECT_NE(status.error().message.find(target.string()), std::string::npos);
  EXPECT_NE(status.error().message.find("No such file or directory"), std::string::npos);
}

TEST_F(AtomicFile, FailedRenameLeavesTargetUntouchedAndNoTemporaryFile) {
  fs::create_directory(dir_ / "occupied");
  std::ofstream(dir_ / "occupied" / "inside") << "keep";
  const Status status = write_file_atomic(dir_ / "occupied", "x");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("rename"), std::string::npos);
  EXPECT_TRUE(fs::is_directory(dir_ / "occupied"));
  EXPECT_EQ(read_file(dir_ / "occupied" / "inside", 10).value(), "keep");
  EXPECT_EQ(entries(), std::vector<std::string>{"occupied"});
}

TEST_F(AtomicFile, PathWithoutFileNameIsRefused) { EXPECT_FALSE(write_file_atomic(dir_ / "", "x")); }

// SQLite-style crash test: a writer killed with SIGKILL at random instants never leaves a torn file.
TEST_F(AtomicFile, KillNineDuringWritesLeavesOldOrNewContentNeverPartial) {
  constexpr int kIterations = 20;
  constexpr std::size_t kFileSize = 1 << 20;
  const std::string version_a(kFileSize, 'a');
  const std::string version_b(kFileSize, 'b');
  const fs::path target = dir_ / "release.bin";
  ASSERT_TRUE(write_file_atomic(target, version_a));

  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_us(0, 30'000);
  for (int i = 0; i < kIterations; ++i) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (unsigned n = 0;; ++n) (void)write_file_atomic(target, n % 2 == 0 ? version_b : version_a);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status));

    const std::string content = read_file(target, 2 * kFileSize).value();
    ASSERT_TRUE(content == version_a || content == version_b)
        << "iteration " << i << ": torn file of " << content.size() << " bytes";
    // A killed writer may leave at most its one stale temporary file, never anything else.
    for (const std::string& name : entries()) {
      if (name != "release.bin") {
        EXPECT_EQ(name.rfind(".release.bin.tmp-", 0), 0u) << name;
        fs::remove(dir_ / name);
      }
    }
  }
}

// ---- read_file ----

TEST_F(AtomicFile, ReadAtExactlyTheLimitSucceeds) {
  ASSERT_TRUE(write_file_atomic(dir_ / "f", "0123456789"));
  EXPECT_EQ(read_file(dir_ / "f", 10).value(), "0123456789");
}

TEST_F(AtomicFile, ReadOverTheLimitIsAnErrorNamingTheLimit) {
  ASSERT_TRUE(write_file_atomic(dir_ / "f", "0123456789!"));
  const auto content = read_file(dir_ / "f", 10);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "file.too_large");
  EXPECT_NE(content.error().message.find("10 bytes"), std::string::npos);
}

TEST_F(AtomicFile, ReadOfEndlessDeviceStopsAtTheLimit) {
  const auto content = read_file("/dev/zero", 100'000);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "file.too_large");
}

TEST_F(AtomicFile, ReadOfMissingFileIsNotFoundNamingThePath) {
  const auto content = read_file(dir_ / "absent", 10);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "file.not_found");
  EXPECT_NE(content.error().message.find("absent"), std::string::npos);
}

TEST_F(AtomicFile, ReadOfDirectoryIsAnError) {
  const auto content = read_file(dir_, 10);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "file.read_failed");
}

}  // namespace
}  // namespace sw
