# sw_review_text: personal data, normaliser (OpenCC, homoglyphs), wording (pinyin).
# The normaliser's foldings and the pinyin / look-alike tables are generated at build time from
# Debian data (opencc, unicode-data, rime-data-pinyin-simp) and src/review/data/*.txt, so the
# binary needs no data files at run time.
set(REVIEW_TEXT_DATA ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(REVIEW_TEXT_GENERATED ${CMAKE_CURRENT_BINARY_DIR}/normaliser_tables.cc ${CMAKE_CURRENT_BINARY_DIR}/wording_tables.cc)
add_custom_command(
  OUTPUT ${REVIEW_TEXT_GENERATED}
  COMMAND python3 ${REVIEW_TEXT_DATA}/generate_text_tables.py ${REVIEW_TEXT_DATA} ${REVIEW_TEXT_GENERATED}
  DEPENDS ${REVIEW_TEXT_DATA}/generate_text_tables.py ${REVIEW_TEXT_DATA}/latin_homoglyphs.txt
          ${REVIEW_TEXT_DATA}/similar_shapes.txt /usr/share/opencc/TSCharacters.ocd2
          /usr/share/unicode/UnicodeData.txt /usr/share/rime-data/pinyin_simp.dict.yaml
  COMMENT "Generating the review text tables (OpenCC t2s, radicals, homoglyphs, pinyin)"
  VERBATIM)
add_library(sw_review_text personal_data.cc normaliser.cc wording.cc ${REVIEW_TEXT_GENERATED})
target_link_libraries(sw_review_text PUBLIC sw_base PRIVATE PkgConfig::TOMLPP)
