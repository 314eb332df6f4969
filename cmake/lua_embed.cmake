# SPDX-License-Identifier: ISC
# Turns a Lua script into a C source defining one string constant, so the
# script lives in its own readable file and is still built into the binary.
# Usage: cmake -DIN=x.lua -DOUT=x.c -DNAME=symbol -P lua_embed.cmake
# (through marimba_embed_lua() of LuaEmbed.cmake)
file(READ ${IN} body)
string(REPLACE "\\" "\\\\" body "${body}")
string(REPLACE "\"" "\\\"" body "${body}")
string(REPLACE "\n" "\\n\"\n\"" body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} by lua_embed.cmake. */\n"
    "const char ${NAME}[] =\n\"${body}\";\n")
