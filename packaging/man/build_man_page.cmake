# Builds iris-port-agent.1 with help2man (cmake -P). The main --help gives
# NAME, SYNOPSIS, DESCRIPTION and OPTIONS; every command's --help becomes the
# COMMANDS section, and iris-port-agent.h2m adds what --help does not say.
#   -DAGENT=binary -DHELP2MAN=help2man -DSECTIONS=iris-port-agent.h2m -DOUTPUT=iris-port-agent.1
set(commands status repair assign release get clear install-service uninstall-service)

# Text for roff, kept as it is laid out: backslashes escaped, lines that
# would read as requests protected, hyphens made real minus signs.
function(roff_verbatim text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

file(READ ${SECTIONS} include_text)
string(APPEND include_text "\n[COMMANDS]\n")
foreach(command ${commands})
  execute_process(COMMAND ${AGENT} ${command} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${AGENT} ${command} --help failed (exit ${rc})")
  endif()
  roff_verbatim("${help}" help)
  string(APPEND include_text ".SS ${command}\n.nf\n${help}.fi\n")
endforeach()

get_filename_component(output_dir ${OUTPUT} DIRECTORY)
set(include_file ${output_dir}/iris-port-agent.h2m)
file(WRITE ${include_file} "${include_text}")
execute_process(
  COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=1
          "--name=keep iris-devtester's port registry true while Docker containers come and go"
          --include=${include_file} --output=${OUTPUT} ${AGENT}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (exit ${rc})")
endif()
