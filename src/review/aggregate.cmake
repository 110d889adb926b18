# sw_review_aggregate: entities of one item and aggregation across items (N3.3).
# The common-surname list is data (aggregate_data/surnames.txt) compiled in as a string, so the
# library needs no file at run time; editing the list re-runs CMake.
set(SW_REVIEW_SURNAMES_FILE ${CMAKE_CURRENT_SOURCE_DIR}/aggregate_data/surnames.txt)
file(READ ${SW_REVIEW_SURNAMES_FILE} SW_REVIEW_SURNAMES)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SW_REVIEW_SURNAMES_FILE})
configure_file(aggregate_data/surnames.h.in
               ${CMAKE_CURRENT_BINARY_DIR}/aggregate_generated/review/aggregate_surnames.h @ONLY)

add_library(sw_review_aggregate aggregate.cc)
target_include_directories(sw_review_aggregate PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/aggregate_generated)
target_link_libraries(sw_review_aggregate PUBLIC sw_review_text)
