add_library(sw_review_text personal_data.cc normaliser.cc wording.cc)
target_link_libraries(sw_review_text PUBLIC sw_base PRIVATE PkgConfig::OPENCC)
