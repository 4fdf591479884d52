/* parser.h - recursive-descent parser for the IDL. */
#ifndef CORDON_IDL_PARSER_H
#define CORDON_IDL_PARSER_H

#include "ast.h"
#include "diag.h"

/* Parses src into f (f->path set by the caller). Reports every error it can
 * find through diag and recovers at the next ';' or '}'. Returns the number
 * of errors. */
int idl_parse(struct idl_file *f, const char *src, size_t len, struct idl_diag *diag);

/* Semantic checks (check.c): resolves names, assigns ids, reports errors. */
int idl_check(struct idl_file *f, struct idl_diag *diag);

#endif
