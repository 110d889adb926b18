// GumboArena: every allocation gumbo makes, in a list freed in a loop when the parse is done.
// gumbo_destroy_output recurses once per level of the tree, so a deep (hostile) page could exhaust
// the stack while being freed; with the arena nothing is freed recursively. Shared by the review
// scanner's HTML extraction and the content module's body sanitiser.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <cstdlib>

namespace sw::review {

class GumboArena {
 public:
  GumboArena() = default;
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;
  ~GumboArena() {
    while (head_ != nullptr) {
      Block* next = head_->next;
      std::free(head_);
      head_ = next;
    }
  }

  // gumbo's default options with this arena as allocator and parse errors not recorded (they
  // would only cost memory).
  GumboOptions options() {
    GumboOptions o = kGumboDefaultOptions;
    o.allocator = &GumboArena::allocate;
    o.deallocator = &GumboArena::deallocate;
    o.userdata = this;
    o.max_errors = 0;
    return o;
  }

 private:
  struct alignas(std::max_align_t) Block {
    Block* previous;
    Block* next;
  };

  static void* allocate(void* arena, std::size_t size) {
    auto* self = static_cast<GumboArena*>(arena);
    auto* block = static_cast<Block*>(std::malloc(sizeof(Block) + size));
    if (block == nullptr) std::abort();  // as operator new would: gumbo cannot handle a failed allocation
    block->previous = nullptr;
    block->next = self->head_;
    if (self->head_ != nullptr) self->head_->previous = block;
    self->head_ = block;
    return block + 1;
  }

  static void deallocate(void* arena, void* pointer) {
    if (pointer == nullptr) return;
    auto* self = static_cast<GumboArena*>(arena);
    Block* block = static_cast<Block*>(pointer) - 1;
    if (block->previous != nullptr)
      block->previous->next = block->next;
    else
      self->head_ = block->next;
    if (block->next != nullptr) block->next->previous = block->previous;
    std::free(block);
  }

  Block* head_ = nullptr;
};

}  // namespace sw::review
