// In progress (issue 3): see zip_reader.h / docs/modules/review.md.
