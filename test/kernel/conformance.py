"""The official Jupyter kernel conformance suite (jupyter_kernel_test) against rlbook.

Run by test/kernel/conformance.test.ts with JUPYTER_PATH pointing at a kernelspec it installed.
Every sample field of KernelTests is filled, so no test is skipped.
"""
import unittest

import jupyter_kernel_test


class RlbookKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "rlbook"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "const someLongName = 1; someLong", "matches": {"someLongName"}},
        {"text": "JSON.str", "matches": {"stringify"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 1;", "function f() { return 1 }", "for (let i = 0; i < 3; i++) {}", ""]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (true) {", "const s = `multi", "/* comment"]
    invalid_code_samples = ["const = 5;", "1 +* 2", "let 1x = 2;", "foo())"]

    code_page_something = "?Math.max"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "[1, 2, 3].map((v) => v * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": '"a" + "b"', "result": "'ab'"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.svg("<svg xmlns=\'http://www.w3.org/2000/svg\'/>")', "mime": "image/svg+xml"},
        {"code": 'display.markdown("# title")', "mime": "text/markdown"},
    ]

    code_history_pattern = "1 + ?"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "clearOutput()"


if __name__ == "__main__":
    unittest.main(verbosity=2)
