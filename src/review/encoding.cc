// In progress (issue 3): see encoding.h / docs/modules/review.md.
