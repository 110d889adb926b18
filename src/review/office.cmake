add_library(sw_review_office zip_reader.cc ooxml.cc pdf.cc)
target_link_libraries(sw_review_office PUBLIC sw_base PRIVATE PkgConfig::LIBZIP PkgConfig::LIBXML2 PkgConfig::POPPLER_CPP)
